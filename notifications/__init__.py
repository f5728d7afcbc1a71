"""Device registry, push (FCM), live updates over websockets, the notification outbox."""
