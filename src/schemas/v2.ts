// v2: v1 plus an optional free-text `message` (readers fill "" when it is absent).
import { z } from 'zod';
import * as f from './fields.ts';
import { OrderV1Schema } from './v1.ts';

export const OrderV2Schema = OrderV1Schema.extend({
  message: f.message,
});

export type OrderV2 = z.output<typeof OrderV2Schema>;
