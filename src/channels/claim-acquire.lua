--[[
  Claims events for one request before it appends them (see claims.ts for the states): per event,
  unless it is on the log already ('done') or a live request holds it (its lease is there).

  KEYS[2i-1]   event i's claim (a string: 'done', or 'pending <partition> <offset>' / 'pending -'
               while it may be on its way to the log; a bare 'pending' was written by an older
               version, which holds it 120 s without a lease)
  KEYS[2i]     event i's lease (a string with PX: the holding request's token)
  ARGV[1]      this request's token
  ARGV[2]      the lease, in milliseconds
  ARGV[3]      how long a claim is kept, in seconds
  ARGV[3+i]    event i's claim value if it has none yet ('pending <partition> <offset>' or 'pending -')
  Returns      per event, two items:
               'done', ''             on the log and marked so: do not append
               'busy', ''             a live request holds it: answer "in progress"
               'claimed', ''          this request holds it now; nobody claimed it before
               'recover', <claim>     this request holds it now; a request that held it died or gave
                                      up, and the claim it left says where it may have appended
]]
local out = {}
for i = 1, #KEYS / 2 do
  local claim, lease = KEYS[2 * i - 1], KEYS[2 * i]
  local value = redis.call('GET', claim)
  if value == 'done' then
    out[#out + 1] = 'done'
    out[#out + 1] = ''
  elseif value == 'pending' or redis.call('EXISTS', lease) == 1 then
    out[#out + 1] = 'busy'
    out[#out + 1] = ''
  else
    redis.call('SET', lease, ARGV[1], 'PX', ARGV[2])
    if value then
      redis.call('EXPIRE', claim, ARGV[3])
      out[#out + 1] = 'recover'
      out[#out + 1] = value
    else
      redis.call('SET', claim, ARGV[3 + i], 'EX', ARGV[3])
      out[#out + 1] = 'claimed'
      out[#out + 1] = ''
    end
  end
end
return out
