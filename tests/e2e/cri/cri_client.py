#!/usr/bin/python3
"""tests/e2e/cri/cri_client.py - a small CRI client: the calls a kubelet
makes, one per command, against a CRI server on a unix socket.

    cri_client.py --gen DIR --socket PATH COMMAND [ARGS...]

DIR holds api_pb2.py and api_pb2_grpc.py, generated from api.proto (next to
this file) with `python3 -m grpc_tools.protoc`; `cri_client.py gen DIR` makes
them. Each command prints its answer as one JSON object (proto field names)
on stdout. A gRPC error is printed on stderr as `CODE: details` and exits 1;
bad arguments exit 2.

Commands:
    gen DIR                                  generate the stubs into DIR
    version
    image-status IMAGE
    runp --name N --uid U --namespace NS [--handler H] [--log-dir D]
         [--cgroup-parent P] [--hostname H] [--seccomp PROFILE]
         --config-out FILE
                                             RunPodSandbox; the sandbox
                                             config is saved to FILE (JSON)
                                             for create
    pstatus POD_ID
    create POD_ID --pod-config FILE --name N --image I [--log-path P]
           [--env K=V]... [--mount HOST:CTR[:ro]]... [--user UID]
           [--readonly-rootfs] [--no-new-privs] [--memory BYTES]
           [--workdir DIR] [--seccomp PROFILE] [--cap-drop CAP]...
           [--cap-add CAP]... -- CMD [ARG...]
                                             PROFILE: runtime/default,
                                             unconfined or localhost/PATH
    start ID | status ID | rm ID
    stop ID [--timeout SECONDS]
    exec ID [--timeout SECONDS] -- CMD [ARG...]
    stopp POD_ID | rmp POD_ID
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(out):
    os.makedirs(out, exist_ok=True)
    cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I", HERE,
           "--python_out=" + out, "--grpc_python_out=" + out,
           os.path.join(HERE, "api.proto")]
    r = subprocess.run(cmd, check=False)
    if r.returncode != 0:
        sys.exit("protoc failed: exit %d" % r.returncode)
    print(json.dumps({"generated": sorted(os.listdir(out))}))


def main():
    p = argparse.ArgumentParser(prog="cri_client.py")
    p.add_argument("--gen", help="directory of the generated stubs")
    p.add_argument("--socket", help="the CRI server's unix socket")
    p.add_argument("--deadline", type=float, default=60.0,
                   help="seconds each call may take")
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("gen")
    g.add_argument("dir")
    sub.add_parser("version")
    g = sub.add_parser("image-status")
    g.add_argument("image")

    g = sub.add_parser("runp")
    g.add_argument("--name", required=True)
    g.add_argument("--uid", required=True)
    g.add_argument("--namespace", required=True)
    g.add_argument("--handler", default="")
    g.add_argument("--log-dir", default="")
    g.add_argument("--cgroup-parent", default="")
    g.add_argument("--hostname", default="")
    g.add_argument("--seccomp")
    g.add_argument("--config-out", required=True)

    for name in ("pstatus", "stopp", "rmp", "start", "status", "rm"):
        g = sub.add_parser(name)
        g.add_argument("id")

    g = sub.add_parser("create")
    g.add_argument("pod")
    g.add_argument("--pod-config", required=True)
    g.add_argument("--name", required=True)
    g.add_argument("--image", required=True)
    g.add_argument("--log-path", default="")
    g.add_argument("--env", action="append", default=[])
    g.add_argument("--mount", action="append", default=[])
    g.add_argument("--user", type=int)
    g.add_argument("--readonly-rootfs", action="store_true")
    g.add_argument("--no-new-privs", action="store_true")
    g.add_argument("--memory", type=int, default=0)
    g.add_argument("--workdir", default="")
    g.add_argument("--seccomp")
    g.add_argument("--cap-drop", action="append", default=[])
    g.add_argument("--cap-add", action="append", default=[])
    g.add_argument("argv", nargs="+")

    g = sub.add_parser("stop")
    g.add_argument("id")
    g.add_argument("--timeout", type=int, default=0)

    g = sub.add_parser("exec")
    g.add_argument("id")
    g.add_argument("--timeout", type=int, default=0)
    g.add_argument("argv", nargs="+")

    a = p.parse_args()
    if a.cmd == "gen":
        generate(a.dir)
        return 0
    if not a.gen or not a.socket:
        p.error("--gen and --socket are needed")

    sys.path.insert(0, a.gen)
    # pylint: disable=import-outside-toplevel,import-error
    import grpc
    from google.protobuf import json_format
    import api_pb2 as pb
    import api_pb2_grpc as pbg

    def profile(text):
        if text == "runtime/default":
            return pb.SecurityProfile(
                profile_type=pb.SecurityProfile.RuntimeDefault)
        if text == "unconfined":
            return pb.SecurityProfile(profile_type=pb.SecurityProfile.Unconfined)
        if text.startswith("localhost/"):
            return pb.SecurityProfile(profile_type=pb.SecurityProfile.Localhost,
                                      localhost_ref=text[len("localhost"):])
        p.error("bad seccomp profile: " + text)
        return None

    def out(msg):
        print(json.dumps(json_format.MessageToDict(
            msg, preserving_proto_field_name=True,
            including_default_value_fields=True), sort_keys=True))

    channel = grpc.insecure_channel("unix://" + a.socket)
    rt = pbg.RuntimeServiceStub(channel)
    im = pbg.ImageServiceStub(channel)
    dl = a.deadline

    try:
        if a.cmd == "version":
            out(rt.Version(pb.VersionRequest(version="v1"), timeout=dl))
        elif a.cmd == "image-status":
            out(im.ImageStatus(pb.ImageStatusRequest(
                image=pb.ImageSpec(image=a.image)), timeout=dl))
        elif a.cmd == "runp":
            cfg = pb.PodSandboxConfig(
                metadata=pb.PodSandboxMetadata(name=a.name, uid=a.uid,
                                               namespace=a.namespace),
                hostname=a.hostname or a.name,
                log_directory=a.log_dir,
                labels={"agentrun-e2e": "cri"},
                linux=pb.LinuxPodSandboxConfig(
                    cgroup_parent=a.cgroup_parent,
                    security_context=pb.LinuxSandboxSecurityContext(
                        namespace_options=pb.NamespaceOption(
                            network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD))))
            if a.seccomp:
                cfg.linux.security_context.seccomp.CopyFrom(profile(a.seccomp))
            with open(a.config_out, "w", encoding="utf-8") as f:
                f.write(json_format.MessageToJson(cfg))
            out(rt.RunPodSandbox(pb.RunPodSandboxRequest(
                config=cfg, runtime_handler=a.handler), timeout=dl))
        elif a.cmd == "pstatus":
            out(rt.PodSandboxStatus(pb.PodSandboxStatusRequest(
                pod_sandbox_id=a.id), timeout=dl))
        elif a.cmd == "create":
            cfg = pb.PodSandboxConfig()
            with open(a.pod_config, encoding="utf-8") as f:
                json_format.Parse(f.read(), cfg)
            envs = []
            for e in a.env:
                k, _, v = e.partition("=")
                envs.append(pb.KeyValue(key=k, value=v))
            mounts = []
            for m in a.mount:
                parts = m.split(":")
                mounts.append(pb.Mount(host_path=parts[0], container_path=parts[1],
                                       readonly=len(parts) > 2 and parts[2] == "ro"))
            sc = pb.LinuxContainerSecurityContext(
                namespace_options=pb.NamespaceOption(
                    network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD),
                readonly_rootfs=a.readonly_rootfs,
                no_new_privs=a.no_new_privs)
            if a.user is not None:
                sc.run_as_user.value = a.user
            if a.seccomp:
                sc.seccomp.CopyFrom(profile(a.seccomp))
            if a.cap_drop or a.cap_add:
                sc.capabilities.drop_capabilities.extend(a.cap_drop)
                sc.capabilities.add_capabilities.extend(a.cap_add)
            ccfg = pb.ContainerConfig(
                metadata=pb.ContainerMetadata(name=a.name),
                image=pb.ImageSpec(image=a.image),
                command=a.argv[:1], args=a.argv[1:],
                working_dir=a.workdir, envs=envs, mounts=mounts,
                labels={"agentrun-e2e": "cri"}, log_path=a.log_path,
                linux=pb.LinuxContainerConfig(
                    resources=pb.LinuxContainerResources(
                        memory_limit_in_bytes=a.memory),
                    security_context=sc))
            out(rt.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=a.pod, config=ccfg, sandbox_config=cfg),
                timeout=dl))
        elif a.cmd == "start":
            out(rt.StartContainer(pb.StartContainerRequest(container_id=a.id),
                                  timeout=dl))
        elif a.cmd == "status":
            out(rt.ContainerStatus(pb.ContainerStatusRequest(container_id=a.id),
                                   timeout=dl))
        elif a.cmd == "stop":
            out(rt.StopContainer(pb.StopContainerRequest(
                container_id=a.id, timeout=a.timeout), timeout=dl))
        elif a.cmd == "rm":
            out(rt.RemoveContainer(pb.RemoveContainerRequest(container_id=a.id),
                                   timeout=dl))
        elif a.cmd == "exec":
            r = rt.ExecSync(pb.ExecSyncRequest(
                container_id=a.id, cmd=a.argv, timeout=a.timeout), timeout=dl)
            # bytes as text, for the shell
            print(json.dumps({
                "stdout": r.stdout.decode("utf-8", "replace"),
                "stderr": r.stderr.decode("utf-8", "replace"),
                "exit_code": r.exit_code}, sort_keys=True))
        elif a.cmd == "stopp":
            out(rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=a.id),
                                  timeout=dl))
        elif a.cmd == "rmp":
            out(rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=a.id),
                                    timeout=dl))
    except grpc.RpcError as e:
        print("%s: %s" % (e.code().name, e.details()), file=sys.stderr)
        return 1
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
