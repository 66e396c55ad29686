-- hooks for the check cases
function reserve(args, ctx)
  return args
end
