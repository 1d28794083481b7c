"""A real LiveKit client for the live checks, without Robot Framework.

- :mod:`.realtime`: LiveKit's Python real-time SDK (``livekit`` on PyPI, its native WebRTC library
  inside the wheel) joins rooms, publishes and receives data over the real transport: one
  connection per participant, whose join answer gives the room, identity and permissions.
- :mod:`.signal`: the signal-level join (the server's join answer over its WebSocket), which shows
  the server's own answer to a request, such as the refusal of a track an observer may not publish,
  and stands in for the SDK's join when its WebRTC transport cannot connect.
- :mod:`.joined`: one join as the server answered it, through either of them.
- :mod:`.loop`: one asyncio loop in a background thread, so that keywords can wait on both.
"""
