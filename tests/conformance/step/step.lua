-- The Lua hooks of the step suite's workflows (tests/conformance/step/).

function greet(args, ctx)
  return "Hello, " .. args.name .. "!"
end

-- Logs through the step's logger as it starts and ends (1-7).
function greet_logged(args, ctx)
  ctx.log("Greeting step started for: " .. args.name)
  local greeting = "Hello, " .. args.name .. "!"
  ctx.log("Greeting step completed with: " .. greeting)
  return greeting
end

function step_one(args, ctx)
  return "first"
end

function step_two(args, ctx)
  return args.previous .. "_second"
end

function build_response(args, ctx)
  return { user = { name = args.name, tags = args.tags }, count = #args.tags }
end

function do_nothing(args, ctx)
  return nil
end

-- Returns args.value, logging "step executed" each time it runs (1-8, 1-9).
function compute(args, ctx)
  ctx.log("step executed")
  return args.value
end

-- Fails every time, logging "step executed" each time it runs.
function always_fail(args, ctx)
  ctx.log("step executed")
  error({ type = "Step.Broken", message = "this step always fails" })
end

-- Fails on the attempts before args.succeed_on, then returns args.value.
function unreliable(args, ctx)
  if ctx.attempt < args.succeed_on then
    error({ type = "Service.Unavailable", message = "attempt " .. ctx.attempt .. " failed" })
  end
  return args.value
end

-- Raises a TransientError on the first attempt only.
function transient_once(args, ctx)
  if ctx.attempt == 1 then
    error({ type = "TransientError", message = "a transient failure" })
  end
  return "recovered after a transient error"
end

function transient_always(args, ctx)
  error({ type = "TransientError", message = "a transient failure" })
end

function fallback_user(args, ctx)
  return args.value
end

-- serdes of 1-6: the text journaled is the value upper-cased; read back as it is.
function shout(value, ctx)
  return string.upper(value)
end

function as_text(text, ctx)
  return text
end
