#!/usr/bin/env python3
"""doc_links.py DOCDIR [SOURCE-README] - the installed documentation's links
work where it is installed (issue 21): every relative Markdown link
[text](target#anchor) of every .md file under DOCDIR names a file that
exists there (relative to the linking file), and its #anchor, when the
target is Markdown, one of the target's headings (GitHub's rule: lower
case, punctuation dropped, spaces to '-'). With SOURCE-README (the tree's
README.md), every docs/*.md guide that README links to must be installed.
Prints one line per problem and exits 1 if there is any."""
import os
import re
import sys

LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def anchors(path):
    out = set()
    for line in open(path, encoding="utf-8"):
        m = re.match(r"#+\s+(.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            out.add(slug)
    return out


def links(path):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for m in LINK.finditer(line):
            target = m.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue   # an address, or a place in the same file
            yield n, target


def main():
    docdir = sys.argv[1]
    problems, count = [], 0
    for top, _, files in os.walk(docdir):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            path = os.path.join(top, name)
            for n, target in links(path):
                count += 1
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file))
                where = "%s:%d" % (os.path.relpath(path, docdir), n)
                if not os.path.isfile(dest):
                    problems.append("%s: link to %s: no such installed file" % (where, target))
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    problems.append("%s: link to %s: no such heading" % (where, target))
    if len(sys.argv) > 2:
        for n, target in links(sys.argv[2]):
            file = target.partition("#")[0]
            if re.match(r"^docs/[^/]+\.md$", file) and \
                    not os.path.isfile(os.path.join(docdir, file)):
                problems.append("README.md:%d: the guide %s is not installed" % (n, file))
    for p in problems:
        print(p)
    if count == 0:
        print("no links found under %s" % docdir)
        return 1
    print("%d links checked, %d problems" % (count, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
