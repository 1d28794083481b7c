"""The project's settings as Robot Framework variable files, read from the environment.

``livekit_settings.suite`` holds the token, key and server settings of every suite and the check of
all settings before a run; ``livekit_settings.endpoint`` what the endpoint suite asks a token
endpoint for; ``livekit_settings.webhooks`` the webhook receiver the suite checks; ``livekit_settings.cluster`` the
LiveKit cluster the suite starts or checks. Resources import
them by name, for example ``Variables    livekit_settings.suite``.
"""
