"""What runs in visitors' browsers: the client script, soft prompt and service worker."""
