function echo(args, ctx)
  return args.input
end
