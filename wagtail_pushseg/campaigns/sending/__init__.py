"""Sending a campaign: claim due deliveries with a lease, apply the delivery controls and the
global rate, send through ``delivery`` (the transport), write the results, ring again, finish.

- ``claim``: lease a chunk (cancelling rows whose subscriber left); take back dead workers'
  leases; is there work now, or at all?
- ``rate_budget``: the global send rate, which sizes the claim;
- ``controls``: quiet hours and the frequency cap, decided in the claim's transaction;
- ``engine``: one chunk: claim, hold back, build payloads, send, write results;
- ``refusals`` + ``vapid_breaker``: a chunk's 401/403 answers: pause for our VAPID problem, or
  judge the one subscription refused alone;
- ``bell``: what the django-q2 tasks do: send a chunk and ring again or finish; the one-minute
  safety net.
"""
