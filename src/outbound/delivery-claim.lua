--[[
  Claims a message's provider call for one attempt (see delivery-state.ts for the states), unless it
  was already made or another attempt holds the lease.

  KEYS[1]      the message's delivery state hash (fields: state, providerMessageId)
  KEYS[2]      the message's lease (a string: the holding attempt's token)
  ARGV[1]      this attempt's token
  ARGV[2]      the lease, in milliseconds
  ARGV[3]      how long the state hash is kept, in seconds
  Returns      {'sent' | 'reported', providerMessageId}   the provider was already called: do not call again
               {'busy', holder}                           another attempt holds the lease
               {'claimed', previous state or ''}          this attempt holds the lease, state is 'sending'
]]
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'sent' or state == 'reported' then
  return {state, redis.call('HGET', KEYS[1], 'providerMessageId') or ''}
end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return {'busy', holder} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'state', 'sending')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {'claimed', state or ''}
