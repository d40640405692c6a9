#!/usr/bin/env bash
# Builds the Lustre server VM disk (lustre-server.qcow2) the server-provisioner boots for every MGS, MDS
# and OSS, then wraps it as a KubeVirt containerDisk image. See README.md in this directory.
#
#   deploy/vm-image/build.sh [IMAGE]      IMAGE default: ghcr.io/lustrecsi/lustre-server-vm:$LUSTRE_VERSION
#
# Needs: virt-customize and virt-sparsify (libguestfs-tools), curl, podman or docker, and network access
# to the Rocky Linux and Whamcloud download sites. Run on a Linux host with KVM (libguestfs boots an appliance).
set -euo pipefail
cd "$(dirname "$0")"

LUSTRE_VERSION="${LUSTRE_VERSION:-2.15.5}"
# Whamcloud builds Lustre servers for one EL minor release per Lustre release; the base image must match it
# (see the lustre-$LUSTRE_VERSION/ directory on downloads.whamcloud.com). 2.16 and later: use an EL9 release.
EL_RELEASE="${EL_RELEASE:-8.10}"
EL_MAJOR="${EL_RELEASE%%.*}"
BASE_URL="${BASE_URL:-https://dl.rockylinux.org/vault/rocky/${EL_RELEASE}/images/x86_64/Rocky-${EL_MAJOR}-GenericCloud-Base.latest.x86_64.qcow2}"
LUSTRE_REPO="https://downloads.whamcloud.com/public/lustre/lustre-${LUSTRE_VERSION}/el${EL_RELEASE}"
E2FS_REPO="https://downloads.whamcloud.com/public/e2fsprogs/latest/el${EL_MAJOR}"
IMAGE="${1:-ghcr.io/lustrecsi/lustre-server-vm:${LUSTRE_VERSION}}"
DISK_SIZE="${DISK_SIZE:-10G}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo ">> base image $BASE_URL"
curl -fL --retry 3 -o "$work/base.qcow2" "$BASE_URL"
qemu-img resize "$work/base.qcow2" "$DISK_SIZE"

cat > "$work/lustre.repo" <<REPO
[lustre-server]
name=Lustre ${LUSTRE_VERSION} server
baseurl=${LUSTRE_REPO}/server/
gpgcheck=0
enabled=1

[e2fsprogs-wc]
name=e2fsprogs for Lustre (ldiskfs)
baseurl=${E2FS_REPO}/
gpgcheck=0
enabled=1
REPO

echo ">> installing Lustre ${LUSTRE_VERSION} server (ldiskfs) into the image"
# The server repository ships the kernel its ldiskfs modules are built for: install exactly that kernel (its
# version read from the Lustre repository; its dependencies such as linux-firmware come from the distribution's
# own repositories, which stay enabled) and make it the default. Then the Lustre server, its ldiskfs OSD and
# Whamcloud's e2fsprogs (mkfs.lustre formats ldiskfs with it); rdma-core and infiniband-diags (BaseOS) bring
# the in-box InfiniBand/RoCE drivers LNet o2ib needs. Every package comes from a repository enabled here: no
# lustre-resource-agents (it needs resource-agents from the HighAvailability repository, and the operator, not
# Pacemaker, runs these servers).
# The readiness probe is an exec probe run by the guest agent (guest-exec): RHEL-family qemu-ga configurations
# block guest-exec by default (BLACKLIST_RPC on EL8, an --allow-rpcs list on EL9), so allow it.
virt-customize -a "$work/base.qcow2" \
  --copy-in "$work/lustre.repo:/etc/yum.repos.d/" \
  --run-command 'v="$(dnf -q repoquery --disablerepo="*" --enablerepo=lustre-server --qf "%{version}-%{release}" kernel-core | sort -V | tail -n1)"; test -n "$v"; dnf -y install "kernel-$v" "kernel-core-$v" "kernel-modules-$v"' \
  --run-command 'grubby --set-default "/boot/vmlinuz-$(rpm -q --last kernel-core | head -n1 | sed -E "s/^kernel-core-([^ ]+).*/\1/")"' \
  --run-command 'dnf -y install e2fsprogs e2fsprogs-libs lustre lustre-osd-ldiskfs-mount kmod-lustre kmod-lustre-osd-ldiskfs rdma-core infiniband-diags iproute iptables' \
  --run-command 'dnf -y install cloud-init qemu-guest-agent openssh-server' \
  --run-command 'systemctl enable cloud-init qemu-guest-agent sshd' \
  --run-command 'f=/etc/sysconfig/qemu-ga; if [ -f "$f" ]; then sed -i -E "/^BLACKLIST_RPC=/ { s/guest-exec-status,?|guest-exec,?//g; s/,$// }; /--allow-rpcs=/ { /guest-exec,/! s/--allow-rpcs=/--allow-rpcs=guest-exec,guest-exec-status,/ }" "$f"; fi' \
  --run-command 'printf "lustre\nlnet\n" > /etc/modules-load.d/lustre-server.conf' \
  --run-command 'sed -i "s/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/" /etc/ssh/sshd_config' \
  --run-command 'for t in mkfs.lustre tunefs.lustre mount.lustre lctl lnetctl lfs blkid udevadm modprobe mountpoint ip iptables systemctl dumpe2fs tune2fs; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done' \
  --run-command 'dnf clean all' \
  --selinux-relabel

virt-sparsify --compress "$work/base.qcow2" lustre-server.qcow2

echo ">> containerDisk $IMAGE"
engine="$(command -v podman || command -v docker)"
"$engine" build -f Containerfile -t "$IMAGE" .
echo "built $IMAGE; push it and set serverVm.image (chart) or --image (kubectl lustre create)"
