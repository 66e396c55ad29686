function greet(args, ctx)
  return { text = "hello, " .. args.name }
end
