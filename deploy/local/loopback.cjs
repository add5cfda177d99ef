// loopback.cjs -- node --require'd by the local stack and the tests so a
// Node MCP server that listens on every interface (server-everything's
// streamableHttp takes only PORT) binds 127.0.0.1 instead: nothing the
// stack starts is reachable from another host.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
	if ((typeof a[0] === "number" || typeof a[0] === "string") &&
	    typeof a[1] !== "string")
		a.splice(1, 0, "127.0.0.1");
	else if (a[0] && typeof a[0] === "object" && a[0].host === undefined)
		a[0] = Object.assign({}, a[0], { host: "127.0.0.1" });
	return listen.apply(this, a);
};
