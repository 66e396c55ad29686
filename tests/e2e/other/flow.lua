function add(args, ctx)
  return { value = args.value + 1 }
end
