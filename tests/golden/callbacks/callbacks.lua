function notify(args, ctx)
  return { sent = ctx.callback_id }
end
