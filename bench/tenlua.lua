-- The step of tenlua.yaml: n + 1.
function add(args)
  return (args.n or 0) + 1
end
