// The list of CLI verbs. One line per module; each module exports `register(program)`.
import type { Command } from 'commander';
import { register as registerStack } from './stack.ts';

export function registerVerbs(program: Command): void {
  registerStack(program);
}
