"""Installing the app's dependencies into the runtime, and inspecting what is installed."""
