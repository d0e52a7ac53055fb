// Checks allowlist entries as the server reads them (inet_pton and a prefix length), so mistakes show while typing.

function ipv4(text) {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes.push(Number(part));
  }
  return bytes;
}

function ipv6(text) {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const words = [];
  const read = (list, allowV4) => {
    const out = [];
    for (let i = 0; i < list.length; i += 1) {
      const group = list[i];
      if (allowV4 && i === list.length - 1 && group.includes(".")) {
        const v4 = ipv4(group);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
        out.push(parseInt(group, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const first = read(head, halves.length === 1);
  const last = read(tail, true);
  if (!first || !last) return null;
  if (halves.length === 1) {
    if (first.length !== 8) return null;
    words.push(...first);
  } else {
    if (first.length + last.length > 7) return null;
    words.push(...first, ...new Array(8 - first.length - last.length).fill(0), ...last);
  }
  return words;
}

// null when the entry is a valid address or CIDR range, else what is wrong with it.
export function cidrProblem(entry) {
  const text = entry.trim();
  const parts = text.split("/");
  if (parts.length > 2) return "has more than one /";
  let address = parts[0];
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  if (address.includes("%")) address = address.slice(0, address.indexOf("%"));
  let maximum;
  let minimum = 0;
  if (ipv4(address)) {
    maximum = 32;
  } else {
    const words = ipv6(address);
    if (!words) return "is not an IPv4 or IPv6 address";
    maximum = 128;
    // An IPv4-mapped range (::ffff:10.0.0.0/104) must cover no more than the IPv4 space.
    if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) minimum = 96;
  }
  if (parts.length === 2) {
    if (!/^[0-9]{1,3}$/.test(parts[1])) return "needs a prefix length after /";
    const length = Number(parts[1]);
    if (length > maximum || length < minimum) return `has a prefix length outside ${minimum}–${maximum}`;
  }
  return null;
}

// The problems of a textarea's lines (one entry a line; blank lines ignored), as "line n: entry is …".
export function allowlistProblems(text) {
  const problems = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const problem = cidrProblem(line);
    if (problem) problems.push(`line ${index + 1}: "${line.trim()}" ${problem}`);
  });
  return problems;
}

export function allowlistEntries(text) {
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}
