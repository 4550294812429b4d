"""The reviewer console: server-rendered pages under /ui, on the service functions and roles."""
