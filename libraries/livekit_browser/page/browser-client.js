// The browser client of the LiveKit authentication check: livekit-client joins a room, and each
// function answers what the client observed as plain JSON. The token is an argument of join() only;
// nothing here stores, prints or returns it.
"use strict";

(function () {
  const LK = window.LivekitClient;
  const state = { room: null, received: [] };

  function show(text) {
    document.getElementById("state").textContent = text;
  }

  function failure(error) {
    return {
      ok: false,
      name: (error && error.name) || "Error",
      message: String((error && error.message) || error),
      status: error && typeof error.status === "number" ? error.status : null,
      reason: error && error.reasonName ? error.reasonName : null,
    };
  }

  function permissions(room) {
    const p = room.localParticipant.permissions;
    if (!p) return null;
    return {
      canSubscribe: !!p.canSubscribe,
      canPublish: !!p.canPublish,
      canPublishData: !!p.canPublishData,
      canPublishSources: Array.from(p.canPublishSources || [], Number),
      hidden: !!p.hidden,
      recorder: !!p.recorder,
      canUpdateMetadata: !!p.canUpdateMetadata,
      agent: !!p.agent,
      canSubscribeMetrics: !!p.canSubscribeMetrics,
      canManageAgentSession: !!p.canManageAgentSession,
    };
  }

  function withDeadline(promise, seconds, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject({ name: "Deadline", message: `${what} did not finish within ${seconds} s` }), seconds * 1000);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  window.livekitAuth = {
    version: LK.version,

    async join(url, token, seconds, probe) {
      const started = performance.now();
      // A name only a browser without the project's resolver rules would look up (the traffic check watches for it).
      if (probe) fetch(`http://${probe}/`, { mode: "no-cors" }).catch(() => {});
      const room = new LK.Room({ adaptiveStream: false, dynacast: false });
      room.on(LK.RoomEvent.DataReceived, (payload, participant, kind, topic) => {
        state.received.push({
          data: Array.from(payload),
          sender: participant ? participant.identity : "",
          topic: topic || "",
        });
      });
      try {
        await withDeadline(room.connect(url, token, { autoSubscribe: true }), seconds, "Joining");
      } catch (error) {
        room.disconnect();
        return failure(error);
      }
      state.room = room;
      show(`joined ${room.name} as ${room.localParticipant.identity}`);
      const info = room.serverInfo || {};
      return {
        ok: true,
        identity: room.localParticipant.identity,
        room: room.name,
        permissions: permissions(room),
        serverVersion: info.version || null,
        connectionState: room.state,
        joinMilliseconds: Math.round(performance.now() - started),
      };
    },

    // Publish a fake camera (a canvas stream). With force, the page first turns canPublish on in
    // the client's own copy of its permissions, so that the request reaches the server.
    async publishCamera(force, seconds) {
      const room = state.room;
      if (force) {
        room.localParticipant.permissions.canPublish = true;
        room.localParticipant.permissions.canPublishSources = [];
      }
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 48;
      const paint = canvas.getContext("2d");
      paint.fillStyle = "#2a7";
      paint.fillRect(0, 0, 64, 48);
      const stream = canvas.captureStream(5);
      const track = new LK.LocalVideoTrack(stream.getVideoTracks()[0]);
      try {
        const publication = await withDeadline(
          room.localParticipant.publishTrack(track, { source: LK.Track.Source.Camera, simulcast: false }),
          seconds,
          "Publishing",
        );
        return { ok: true, sid: publication.trackSid };
      } catch (error) {
        return failure(error);
      } finally {
        track.stop();
      }
    },

    async sendData(bytes, topic, seconds) {
      try {
        const sending = state.room.localParticipant.publishData(new Uint8Array(bytes), { reliable: true, topic });
        await withDeadline(sending, seconds, "Sending data");
        return { ok: true };
      } catch (error) {
        return failure(error);
      }
    },

    async waitForData(bytes, topic, seconds) {
      const wanted = JSON.stringify(bytes);
      const deadline = performance.now() + seconds * 1000;
      while (performance.now() < deadline) {
        const packet = state.received.find((item) => item.topic === topic && JSON.stringify(item.data) === wanted);
        if (packet) return packet;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return null;
    },

    async leave(seconds) {
      if (state.room) {
        await withDeadline(state.room.disconnect(), seconds || 10, "Leaving").catch(() => {});
        state.room = null;
        show("left");
      }
      return { ok: true };
    },
  };
})();
