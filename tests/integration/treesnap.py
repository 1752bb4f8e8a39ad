#!/usr/bin/env python3
"""treesnap.py DIR — one line per entry below DIR (DIR itself included), for comparing a
tree before and after a fix command and its undo: relative path, type, mode, uid, gid,
size, mtime in ns (directories too), symlink target, SHA-256 of regular files, rdev of
devices and every extended attribute (name=hex). Symlinks are never followed.

    treesnap.py DIR            full listing (sorted)
    treesnap.py --hash DIR     one SHA-256 over the listing
    treesnap.py --no-dir-mtime DIR   leave directory mtimes out
"""
import hashlib
import os
import stat
import sys


def xattrs(path):
    try:
        names = sorted(os.listxattr(path, follow_symlinks=False))
    except OSError:
        return ""
    out = []
    for n in names:
        try:
            v = os.getxattr(path, n, follow_symlinks=False)
        except OSError:
            v = b"?"
        out.append("%s=%s" % (n, v.hex()))
    return ",".join(out)


def entry(root, rel, dir_mtime):
    p = os.path.join(root, rel) if rel else root
    st = os.lstat(p)
    m = st.st_mode
    kind = ("d" if stat.S_ISDIR(m) else "f" if stat.S_ISREG(m) else "l" if stat.S_ISLNK(m)
            else "p" if stat.S_ISFIFO(m) else "s" if stat.S_ISSOCK(m)
            else "c" if stat.S_ISCHR(m) else "b" if stat.S_ISBLK(m) else "?")
    extra = ""
    if kind == "f":
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        extra = h.hexdigest()
    elif kind == "l":
        extra = os.readlink(p).encode("utf-8", "surrogateescape").hex()
    elif kind in "cb":
        extra = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    mtime = st.st_mtime_ns if (kind != "d" or dir_mtime) else 0
    size = st.st_size if kind != "d" else 0
    name = (rel or ".").encode("utf-8", "surrogateescape").hex()
    return "%s %s %o %d %d %d %d %s %s" % (name, kind, stat.S_IMODE(m), st.st_uid, st.st_gid,
                                         size, mtime, extra, xattrs(p) if kind in "fd" else "")


def main():
    args = sys.argv[1:]
    want_hash = "--hash" in args
    dir_mtime = "--no-dir-mtime" not in args
    args = [a for a in args if not a.startswith("--")]
    root = args[0]
    lines = [entry(root, "", dir_mtime)]
    for d, dirs, files in os.walk(root, followlinks=False):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(d, n), root)
            lines.append(entry(root, rel, dir_mtime))
    lines.sort()
    text = "\n".join(lines) + "\n"
    if want_hash:
        print(hashlib.sha256(text.encode()).hexdigest())
    else:
        sys.stdout.write(text)


main()
