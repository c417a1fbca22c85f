--[[
  Ends a request's hold on its events' claims, one way per event:
    'done'     the event is on the log: the claim says so (whoever holds the lease; it is a fact)
               and this request's lease goes
    'release'  the event may be on the log: the claim keeps where, this request's lease goes
    'forget'   the event is not on the log and nothing of this request may still put it there:
               claim and lease go, if the lease is still this request's
    'pending'  the claim says where this request is about to append (ARGV value), if the lease
               is still this request's; the lease stays

  KEYS[2i-1]   event i's claim
  KEYS[2i]     event i's lease
  ARGV[1]      this request's token
  ARGV[2]      how long a claim is kept, in seconds
  ARGV[1+2i]   event i's way: 'done' | 'release' | 'forget' | 'pending'
  ARGV[2+2i]   event i's claim value for 'pending' ('' otherwise)
  Returns      per event, 1 if the lease was still this request's, else 0
]]
local out = {}
for i = 1, #KEYS / 2 do
  local claim, lease = KEYS[2 * i - 1], KEYS[2 * i]
  local way, value = ARGV[1 + 2 * i], ARGV[2 + 2 * i]
  local mine = redis.call('GET', lease) == ARGV[1]
  if way == 'done' then
    redis.call('SET', claim, 'done', 'EX', ARGV[2])
    if mine then redis.call('DEL', lease) end
  elseif mine then
    if way == 'release' then
      redis.call('DEL', lease)
    elseif way == 'forget' then
      redis.call('DEL', claim, lease)
    elseif way == 'pending' then
      redis.call('SET', claim, value, 'EX', ARGV[2])
    end
  end
  out[#out + 1] = mine and 1 or 0
end
return out
