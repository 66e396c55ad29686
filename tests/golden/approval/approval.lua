function reserve(args, ctx)
  return { id = "r-" .. ctx.execution_id, amount = args.amount }
end

function notify_manager(args, ctx)
  ctx.log("asking a manager about " .. tostring(args.request))
  return { callback_id = ctx.callback_id }
end
