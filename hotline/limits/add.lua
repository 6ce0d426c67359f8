-- Add counts kept in memory while Redis was away, once: KEYS[1] marks this batch as added, so a
-- batch sent again (its answer lost in a timeout) adds nothing the second time.
-- KEYS[2..n]: counters. ARGV[1]: the marker's expiry; then an amount and an expiry per counter.
if not redis.call('SET', KEYS[1], '1', 'NX', 'EXAT', ARGV[1]) then
  return 0
end
for i = 2, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[2 * i - 2])
  redis.call('EXPIREAT', KEYS[i], ARGV[2 * i - 1])
end
return 1
