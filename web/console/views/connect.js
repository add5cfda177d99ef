// views/connect.js -- copy-paste snippets for calling a server of the
// selected tenant: curl, the TypeScript SDK, an MCP client configuration.
import * as api from "../api.js";
import { copyButton, empty, field, h, loading, page, problem } from
  "../ui.js";

function snippets(url) {
  return [
    ["curl", `curl -s ${url} \\
  -H "Authorization: Bearer $MCP_API_KEY" \\
  -H "Content-Type: application/json" \\
  -H "Accept: application/json, text/event-stream" \\
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'`],
    ["TypeScript SDK", `import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const transport = new StreamableHTTPClientTransport(new URL("${url}"), {
  requestInit: { headers: { Authorization: \`Bearer \${process.env.MCP_API_KEY}\` } },
});
const client = new Client({ name: "my-app", version: "1.0.0" });
await client.connect(transport);
console.log(await client.listTools());`],
    ["MCP client configuration", JSON.stringify({ mcpServers: {
      [url.split("/").pop()]: { type: "http", url,
        headers: { Authorization: "Bearer ${MCP_API_KEY}" } } } }, null,
    2)],
  ];
}

export async function render(state) {
  const t = state.tenant;
  page("Connect a client", loading("servers"));
  let servers;
  try {
    servers = api.items(await api.call("GET",
      `/tenants/${encodeURIComponent(t.slug)}/servers`), "servers");
  } catch (e) {
    page("Connect a client", problem(e));
    return;
  }
  if (servers.length === 0) {
    page("Connect a client", empty("Enable a server first (Servers), " +
      "then come back for the snippets."));
    return;
  }
  const pick = field("Server", { name: "server", tag: "select",
    options: servers.map((s) => ({ value: s.alias, label: s.alias })) });
  const out = h("div");
  const draw = () => {
    const url = `${location.origin}/mcp/${t.slug}/${pick.input.value}`;
    out.replaceChildren(...snippets(url).map(([title, text]) =>
      h("section", {}, h("h2", {}, title),
        h("pre", { tabindex: "0" }, text), copyButton(text))));
  };
  pick.input.addEventListener("change", draw);
  page("Connect a client", pick.row,
    h("p", {}, "MCP clients that sign in themselves (Claude, the MCP " +
      "Inspector, SDK clients with OAuth) need only the server's URL: " +
      "they open a page where you pick this tenant and the servers they " +
      "may use (see OAuth grants)."),
    h("p", {}, "Otherwise create an API key with the mcp:call scope " +
      "(API keys), put it in MCP_API_KEY, and:"), out);
  draw();
}
