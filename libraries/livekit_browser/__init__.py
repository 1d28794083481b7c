"""A real browser as a LiveKit client: the system's Chromium or Chrome, driven by Playwright for
Python, runs the pinned ``livekit-client`` in a page the project serves itself from 127.0.0.1.

``executable`` finds the browser, ``launch`` holds the flags that keep it on the loopback path,
``page`` serves the page and the client's UMD file, ``session`` drives one browser and its pages,
``traffic`` watches the machine's other interfaces while the browser runs.
"""
