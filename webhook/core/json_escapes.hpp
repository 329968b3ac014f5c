// Blanking JSON's two-byte escapes before simdjson's DOM parser reads a text, for the reader of
// AdmissionReviews. A Host applied with `kubectl apply` carries its own JSON as the
// last-applied-configuration annotation, a string of about a hundred escaped quotes in a 3 KiB
// review; simdjson 3.0's DOM parser unescapes every string, one escape at a time (about 10 ns
// each), which was two thirds of the parse. No rule reads that annotation.
//
// blank_escapes() overwrites every escape of one of `\" \\ \/ \b \f \n \r \t` with kBlank, two
// DEL bytes: plain string content to JSON (only bytes under 0x20 must be escaped), invalid
// outside a string, ASCII (the parser's UTF-8 check keeps its fast path), and held by no text of
// a Host. The text keeps its length, its structure and its validity: a string stays a string of
// the same bytes elsewhere, an escape outside a string (invalid JSON) becomes bytes outside a
// string (invalid still), and `\u` escapes and invalid ones are left for the parser to judge.
// Only the strings that held such an escape read differently: each holds kBlank where the text
// had one. A reader of a blanked text therefore uses a string only if has_blank() says it holds
// none, and reads the original text again when one does (review_reader.cpp).
#pragma once

#include <cstddef>
#include <string_view>

namespace hostadm {

inline constexpr std::string_view kBlank = "\x7F\x7F";

// Blanks the escapes of text[0, size) in place; returns how many.
size_t blank_escapes(char* text, size_t size);

// Whether `s` holds a byte of kBlank: a string of a blanked text that may read differently from
// the original (or, with no harm but a second read, held DEL itself), or a message that quotes
// one, cut anywhere.
bool has_blank(std::string_view s);

}  // namespace hostadm
