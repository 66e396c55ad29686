function ask(args, ctx)
  return { asked = args.who, callback = ctx.callback_id }
end

function charge(args, ctx)
  return { line = args.index, amount = args.line.amount }
end

function label(args, ctx)
  return { order = args.order }
end
