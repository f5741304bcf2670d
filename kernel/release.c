// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: RELEASE_FD, a file per buffer that poll() reports readable
 * once the buffer is released (the dma-buf gone from every holder, every
 * grant unmapped or ended): what WAIT_RELEASED tells by blocking, for an
 * event loop that must not block.
 *
 * One file per buffer, as a sync_file is one file per fence, rather than
 * readiness on the device file plus a queue of released ids: each waiter
 * polls exactly the buffer it waits for, nothing is queued that could
 * overflow or be drained by another thread, and the file stays valid
 * when the device file is closed.  It is an anonymous inode and not a
 * real sync_file: a dma_fence's ops would have to outlive the module,
 * while this file holds a module reference (fops.owner) and the buffer's
 * structure (a kref), never its pages.
 */

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "xen-gntbuf.h"

/*
 * gntbuf_buffer_done() sets @done and then wakes @release_wq, whose lock
 * orders the store before the load below for a poller already queued.
 */
static __poll_t gntbuf_release_poll(struct file *filp, poll_table *wait)
{
	struct gntbuf_buffer *buf = filp->private_data;

	poll_wait(filp, &buf->release_wq, wait);
	return READ_ONCE(buf->done) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int gntbuf_release_release(struct inode *inode, struct file *filp)
{
	gntbuf_buffer_put(filp->private_data);
	return 0;
}

static void gntbuf_release_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct gntbuf_buffer *buf = filp->private_data;

	seq_printf(m, "gntbuf-buffer-id:\t%llu\n", buf->id);
	seq_printf(m, "gntbuf-released:\t%d\n", READ_ONCE(buf->done));
}

static const struct file_operations gntbuf_release_fops = {
	.owner = THIS_MODULE,
	.poll = gntbuf_release_poll,
	.release = gntbuf_release_release,
	.show_fdinfo = gntbuf_release_show_fdinfo,
	.llseek = noop_llseek,
};

/**
 * gntbuf_ioctl_release_fd() - RELEASE_FD: a pollable file for a buffer
 * @file: the device file that knows the buffer's id
 * @uarg: &struct gntbuf_release_fd
 *
 * The new file holds a reference to the buffer (not to @file's table
 * entry) until it is closed.  The fd is installed only once the reply
 * reached userspace.
 *
 * Return: 0 or a negative errno, as the uapi header lists them.
 */
long gntbuf_ioctl_release_fd(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_release_fd r;
	struct gntbuf_buffer *buf;
	struct file *rfile;
	long ret;
	int fd;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.flags)
		return -EINVAL;

	buf = gntbuf_file_lookup(file, r.buffer_id);
	if (!buf)
		return -ENOENT;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto fail_put_buf;
	}
	/* The file takes over the lookup's reference. */
	rfile = anon_inode_getfile("[gntbuf-release]", &gntbuf_release_fops,
				   buf, O_RDONLY);
	if (IS_ERR(rfile)) {
		ret = PTR_ERR(rfile);
		goto fail_put_fd;
	}

	r.fd = fd;
	if (copy_to_user(uarg, &r, sizeof(r))) {
		ret = -EFAULT;
		goto fail_fput;
	}
	fd_install(fd, rfile);
	return 0;

fail_fput:
	/* Its release drops the buffer reference. */
	put_unused_fd(fd);
	fput(rfile);
	return ret;
fail_put_fd:
	put_unused_fd(fd);
fail_put_buf:
	gntbuf_buffer_put(buf);
	return ret;
}
