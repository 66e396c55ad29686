-- Hooks of the AWS comparison workflows (aws_*.yaml, test_aws.sh).

function value(args, ctx)
  return args.v
end

function double(args, ctx)
  return args.n * 2
end

-- Line 3 is declined.
function times_ten(args, ctx)
  if args.n == 3 then
    error({ type = "Charge.Declined", message = "line 3 declined" })
  end
  return args.n * 10
end

function bump(args, ctx)
  return { n = args.state.n + 1 }
end

-- 250,000 bytes: 26 of them make a result over Lambda's 6 MiB answer (aws_big).
function chunk(args, ctx)
  return string.rep(string.char(97 + args.n % 26), 250000)
end
