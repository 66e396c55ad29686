-- bulk_charge.lua — the Lua hooks of bulk_charge.yaml: a stand-in card
-- processor. No network, no state between calls; the card number decides:
--   "declined"  the card is refused: Charge.Declined (not retried);
--   "busy"      the processor is busy at the first attempt: Charge.Busy
--               (retried 1s later, then charged);
--   any other   charged.
-- A real processor would get "ORDER-INDEX" as its idempotency key, so a
-- charge run again after a crash is not charged twice.

-- Charges one line of the order: returns the charge.
function charge(args, ctx)
  local line = args.line
  if line.card == "declined" then
    error({ type = "Charge.Declined", message = "card of line " .. args.index .. " declined",
            data = { index = args.index, sku = line.sku } })
  end
  if line.card == "busy" and ctx.attempt == 1 then
    error({ type = "Charge.Busy", message = "the processor is busy, try again" })
  end
  return { index = args.index, sku = line.sku, amount = line.amount, currency = args.currency,
           charge_id = "ch-" .. args.order .. "-" .. args.index }
end

-- Refunds one item of the failed charge-lines map. Only a SUCCEEDED item
-- was charged; the others (FAILED: declined; CANCELLED: stopped before its
-- charge ended) are skipped.
function refund(args, ctx)
  local o = args.outcome
  if o.status ~= "SUCCEEDED" then
    return { index = o.index, skipped = true, status = o.status }
  end
  ctx.log("refunded " .. o.result.charge_id)
  return { index = o.index, refunded = o.result.charge_id, amount = o.result.amount }
end
