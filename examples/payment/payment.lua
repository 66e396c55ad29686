-- payment.lua — the Lua hook of payment.yaml.
--
-- cancel_order stands for the shop's own order service: it records the
-- cancellation and returns it. It keeps no state between calls.

function cancel_order(args, ctx)
  ctx.log("cancelling order " .. args.order_id .. ": " .. args.reason)
  return { cancelled = args.order_id, reason = args.reason }
end
