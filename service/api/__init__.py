"""HTTP routers, thin: parse, authorise, call one service function, shape the response."""
