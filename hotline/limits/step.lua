-- One webhook's step (see step.py): the remembered outcome if this is a replay; otherwise the
-- first outcome whose limits hold, its counters added to, and the outcome remembered.
-- KEYS: every key the step names. ARGV[1]: the step as JSON, pointing into KEYS by position.
-- Returns {outcome, 1 if taken now or 0 if replayed, positions in KEYS of the counters added}.
local step = cjson.decode(ARGV[1])

local function whole(number)
  return string.format('%d', number)
end

if step.replay then
  local earlier = redis.call('GET', KEYS[step.replay[1]])
  if earlier then
    return {earlier, 0, {}}
  end
end

local function add(position, expires_at, added)
  redis.call('INCR', KEYS[position])
  -- The same boundary on every change: a key's expiry never tells when it was last touched.
  redis.call('EXPIREAT', KEYS[position], whole(expires_at))
  table.insert(added, position)
end

for _, outcome in ipairs(step.outcomes) do
  local holds = true
  for _, limit in ipairs(outcome.limits) do
    local next = tonumber(redis.call('GET', KEYS[limit[1]]) or '0') + 1
    if next < limit[3] or next > limit[4] then
      holds = false
      break
    end
  end
  if holds then
    local added = {}
    for _, limit in ipairs(outcome.limits) do
      add(limit[1], limit[2], added)
    end
    for _, counter in ipairs(outcome.counts) do
      add(counter[1], counter[2], added)
    end
    if step.replay then
      redis.call('SET', KEYS[step.replay[1]], outcome.name, 'EXAT', whole(step.replay[2]))
    end
    return {outcome.name, 1, added}
  end
end
return {'', 1, {}}
