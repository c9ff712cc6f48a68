// A minimal reader for the small, flat XML documents S3 answers with
// (ListObjectsV2, errors, multipart uploads). It finds elements by name and
// decodes the five predefined entities and numeric character references; it
// does not validate, and ignores namespaces, attributes, comments and CDATA
// (S3 sends none inside the elements read here). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logstream::aws {

// The raw inner text of each <name>...</name> (or <name attr="...">) element
// in xml, in document order; nested elements of the same name are not
// supported. <name/> yields an empty string.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);

// The decoded text of the first <name> element, nullopt if there is none.
std::optional<std::string> XmlText(std::string_view xml, std::string_view name);

// Decodes &amp; &lt; &gt; &quot; &apos; and &#N; / &#xH; (as UTF-8).
std::string XmlDecode(std::string_view text);

// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view text);

}  // namespace logstream::aws
