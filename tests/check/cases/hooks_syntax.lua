-- a hooks file with a syntax error: the function is never closed
function reserve(args, ctx)
  if args.amount > 10 then
    return args
end
