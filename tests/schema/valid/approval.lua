-- Hooks of approval.yaml (schema test fixture: checked, never run).
function reserve(args, ctx)
  return { amount = args.amount, attempt = ctx.attempt }
end

function notify_manager(args, ctx)
  ctx.log("approval needed for " .. args.request .. ": " .. ctx.callback_id)
  return true
end
