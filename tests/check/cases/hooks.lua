-- hooks for the check cases
function reserve(args, ctx)
  return args
end

-- a function stored in a global is a hook too
assigned = function(args, ctx)
  return args
end

-- neither of these defines `notify`: a field, and a comparison
local t = {}
t.notify = function() end
if notify == function_list then end
