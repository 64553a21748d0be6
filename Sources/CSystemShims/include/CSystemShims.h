#ifndef AUDIOSPOOL_CSYSTEMSHIMS_H
#define AUDIOSPOOL_CSYSTEMSHIMS_H

#include <sys/types.h>

/// rename(2) that fails with EEXIST instead of replacing the target
/// (renameat2 with RENAME_NOREPLACE). Some file systems (NFS) do not
/// support it and fail with EINVAL; callers fall back to link(2).
int audiospool_rename_noreplace(const char *from, const char *to);

/// renameat2(RENAME_NOREPLACE) between two directory descriptors.
int audiospool_renameat_noreplace(int fromdir, const char *from, int todir, const char *to);

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: `path` is opened
/// relative to `dirfd` only if no component is a symlink and none leads
/// above `dirfd`. Fails with ENOSYS where the kernel lacks openat2 (before
/// Linux 5.6); callers then walk the path one O_NOFOLLOW component at a time.
int audiospool_openat_beneath(int dirfd, const char *path, int flags, mode_t mode);

/// statfs(2)'s f_type (the file system's magic number) of `path`, in
/// `*type`; 0, or -1 with errno. Glibc's Swift module lacks <sys/vfs.h>.
int audiospool_filesystem_type(const char *path, long long *type);

#endif
