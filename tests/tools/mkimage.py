#!/usr/bin/env python3
"""Test images, made locally (no registry): OCI image layouts, docker save
archives and hostile tarballs, deterministic byte for byte.

  mkimage.py layout DIR TAG CONFIG_JSON [--compress gzip|xz|zstd|none]
                    [--index] [--corrupt N] LAYER_TAR...
      add an image to the OCI layout DIR (made if missing). CONFIG_JSON is
      the image config's "config" object (Entrypoint, Cmd, Env, ...).
      --index puts the manifest behind an image index (this machine's
      platform, and a foreign one whose manifest is missing). --corrupt N
      flips a byte of layer N's blob after its digest was taken.
  mkimage.py docker DIR TAG CONFIG_JSON LAYER_TAR...
      add an image to the docker save directory DIR (manifest.json, the
      config named by its digest, layers as uncompressed tars).
  mkimage.py hostile OUT KIND [ARG]
      a tarball meant to escape: traversal, absolute ARG, symlink ARG,
      hardlink ARG, setuid, device, bomb SIZE, deep N (N files each below
      1500 directories the archive leaves implicit), deeplink N (the same
      through symlinks to deep targets).
"""
import gzip
import hashlib
import io
import json
import lzma
import os
import platform
import shutil
import subprocess
import sys
import tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}.get(
    platform.machine(), platform.machine())


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    d = os.path.join(layout, "blobs", "sha256")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if how == "xz":
        # Not an OCI media type; docker and libarchive read it all the same.
        return lzma.compress(data), "application/vnd.oci.image.layer.v1.tar+xz"
    if how == "zstd":
        out = subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                             check=True).stdout
        return out, "application/vnd.oci.image.layer.v1.tar+zstd"
    return data, "application/vnd.oci.image.layer.v1.tar"


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def config_blob(config, diff_ids):
    return dumps({
        "architecture": ARCH, "os": "linux", "config": config,
        "created": "2024-01-01T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })


def layout(args):
    out, tag, config = args[0], args[1], json.loads(args[2])
    how, index, corrupt, layers = "gzip", False, None, []
    it = iter(args[3:])
    for a in it:
        if a == "--compress":
            how = next(it)
        elif a == "--index":
            index = True
        elif a == "--corrupt":
            corrupt = int(next(it))
        else:
            layers.append(a)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    descs, diff_ids = [], []
    for i, path in enumerate(layers):
        raw = open(path, "rb").read()
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blob, mt = compress(raw, how)
        digest = put_blob(out, blob)
        descs.append({"mediaType": mt, "digest": digest, "size": len(blob)})
        if corrupt == i:
            p = os.path.join(out, "blobs", "sha256", digest[7:])
            data = bytearray(open(p, "rb").read())
            data[len(data) // 2] ^= 0xff
            open(p, "wb").write(data)
    cfg = config_blob(config, diff_ids)
    manifest = dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put_blob(out, cfg), "size": len(cfg)},
        "layers": descs,
    })
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": put_blob(out, manifest), "size": len(manifest)}
    if index:
        foreign = dict(desc, digest="sha256:" + "0" * 64,
                       platform={"os": "linux", "architecture": "s390x" if ARCH != "s390x" else "ppc64le"})
        idx = dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                     "manifests": [foreign, dict(desc, platform={"os": "linux", "architecture": ARCH})]})
        desc = {"mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": put_blob(out, idx), "size": len(idx)}
    path = os.path.join(out, "index.json")
    top = json.load(open(path)) if os.path.exists(path) else {"schemaVersion": 2, "manifests": []}
    top["manifests"].append(dict(desc, annotations={"org.opencontainers.image.ref.name": tag}))
    open(path, "wb").write(dumps(top))
    print(desc["digest"])


def docker(args):
    out, tag, config, layers = args[0], args[1], json.loads(args[2]), args[3:]
    os.makedirs(out, exist_ok=True)
    names, diff_ids = [], []
    for path in layers:
        raw = open(path, "rb").read()
        h = hashlib.sha256(raw).hexdigest()
        os.makedirs(os.path.join(out, h), exist_ok=True)
        open(os.path.join(out, h, "layer.tar"), "wb").write(raw)
        names.append(h + "/layer.tar")
        diff_ids.append("sha256:" + h)
    cfg = config_blob(config, diff_ids)
    cname = hashlib.sha256(cfg).hexdigest() + ".json"
    open(os.path.join(out, cname), "wb").write(cfg)
    path = os.path.join(out, "manifest.json")
    top = json.load(open(path)) if os.path.exists(path) else []
    top.append({"Config": cname, "RepoTags": [tag], "Layers": names})
    open(path, "wb").write(dumps(top))


def hostile(args):
    out, kind, arg = args[0], args[1], (args[2] if len(args) > 2 else None)
    mode = "w:gz" if out.endswith("gz") else "w"
    with tarfile.open(out, mode, format=tarfile.PAX_FORMAT) as t:
        def add(name, data=b"pwned\n", **kw):
            ti = tarfile.TarInfo(name)
            for k, v in kw.items():
                setattr(ti, k, v)
            if ti.type == tarfile.REGTYPE:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                t.addfile(ti)
        add("ok", b"fine\n")
        if kind == "traversal":
            add("../" * 12 + arg.lstrip("/"))
        elif kind == "absolute":
            add(arg)
        elif kind == "symlink":
            add("evil", type=tarfile.SYMTYPE, linkname=arg)
            add("evil/file")
        elif kind == "hardlink":
            add("evil", type=tarfile.LNKTYPE, linkname=arg)
        elif kind == "setuid":
            add("suid", mode=0o4755)
            add("sgid", mode=0o2755)
        elif kind == "device":
            add("null", type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
        elif kind == "deep":
            # Files ARG at the end of names of 1500 directories none of
            # which the archive lists: ~2 KiB of headers each.
            for i in range(int(arg)):
                add("d%d/" % i + "/".join(["a"] * 1500) + "/f", b"")
        elif kind == "deeplink":
            # The same through symlinks: short names, long targets.
            for i in range(int(arg)):
                add("l%d" % i, type=tarfile.SYMTYPE,
                    linkname="d%d/" % i + "/".join(["a"] * 1500))
                add("l%d/f" % i, b"")
        elif kind == "bomb":
            size = int(arg)
            ti = tarfile.TarInfo("zeros")
            ti.size = size

            class Zeros(io.RawIOBase):
                def __init__(self):
                    self.left = size

                def readable(self):
                    return True

                def readinto(self, b):
                    n = min(len(b), self.left)
                    b[:n] = bytes(n)
                    self.left -= n
                    return n
            t.addfile(ti, io.BufferedReader(Zeros(), 1 << 20))
        else:
            sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    {"layout": layout, "docker": docker, "hostile": hostile}[sys.argv[1]](sys.argv[2:])
