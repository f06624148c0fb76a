// The web UI and the API docs, built from web/ at build time and embedded in the binary: the
// files and the content type each is served with.
// Thread-safety: immutable.
#pragma once

#include <string_view>
#include <vector>

#include "net/http_message.hpp"

namespace tc::web {

struct Asset {
  std::string_view path;  // "/index.html", "/assets/app.js", "/docs/index.html"
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip = {};  // the body gzip-compressed (scripts and style sheets); or empty
};

// The content type of a file by its extension (.html, .js, .css, .svg, .json; else binary).
std::string_view content_type_for(std::string_view path);

// Every embedded file.
const std::vector<Asset>& assets();

// The file served at `path`, if any; "/" and "/docs" are their folders' index.html.
const Asset* find_asset(std::string_view path);

// `asset` as a response to `request`: gzip-compressed when the request accepts it and the asset
// has that form. The HTML pages are revalidated on every load; the rest may be cached for an
// hour (a new binary serves new pages, which name the same files).
net::Response asset_response(const Asset& asset, const net::Request& request);

}  // namespace tc::web
