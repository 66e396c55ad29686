function reserve(args, ctx)
  if args.amount > 1000 then
    error({ type = "Budget.Exceeded", message = "too much" })
  end
  return { id = "r-" .. ctx.execution_id, amount = args.amount }
end
