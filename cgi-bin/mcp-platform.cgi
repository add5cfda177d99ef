#!/bin/sh
# mcp-platform.cgi -- for hosts that offer only cgi-bin/ (no FastCGI).
#
# The same program serves exactly one request as plain CGI when it is not
# started under a FastCGI listener. Copy build/mcp-platform.fcgi next to
# this file, point MCP_PLATFORM_CONF at a configuration outside the web
# root, and keep the secret files it names mode 0600 (docs/deployment.md).
MCP_PLATFORM_CONF=${MCP_PLATFORM_CONF:-$HOME/mcp-platform/mcp-platform.conf}
export MCP_PLATFORM_CONF
exec "$(dirname "$0")/mcp-platform.fcgi"
