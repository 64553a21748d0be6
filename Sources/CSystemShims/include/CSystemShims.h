#ifndef AUDIOSPOOL_CSYSTEMSHIMS_H
#define AUDIOSPOOL_CSYSTEMSHIMS_H

/// rename(2) that fails with EEXIST instead of replacing the target
/// (renameat2 with RENAME_NOREPLACE). Some file systems (NFS) do not
/// support it and fail with EINVAL; callers fall back to link(2).
int audiospool_rename_noreplace(const char *from, const char *to);

#endif
