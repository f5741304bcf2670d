// SPDX-License-Identifier: MIT
/*
 * hostile-compositor's xdg-shell: xdg_wm_base, xdg_surface and
 * xdg_toplevel, just enough for one toplevel per surface (no popups, no
 * positioners).  The toplevel's title names the surface's pictures; its
 * configures are sent from the surface's commit (hostile-compositor.c).
 */
#include <stdio.h>

#include "xdg-shell-server-protocol.h"

#include "hostile-compositor.h"

static void top_set_title(struct wl_client *client, struct wl_resource *res,
			  const char *title)
{
	struct surface *s = wl_resource_get_user_data(res);

	(void)client;
	if (!s)
		return;
	snprintf(s->title, sizeof(s->title), "%s", title);
	LOG("toplevel \"%s\"", s->title);
}

static void top_ignore_str(struct wl_client *client, struct wl_resource *res,
			   const char *str)
{
	(void)client;
	(void)res;
	(void)str;
}

static void top_ignore(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	(void)res;
}

static void top_ignore_wh(struct wl_client *client, struct wl_resource *res,
			  int32_t w, int32_t h)
{
	(void)client;
	(void)res;
	(void)w;
	(void)h;
}

static void top_ignore_seat(struct wl_client *client, struct wl_resource *res,
			    struct wl_resource *seat, uint32_t serial)
{
	(void)client;
	(void)res;
	(void)seat;
	(void)serial;
}

static void top_resize(struct wl_client *client, struct wl_resource *res,
		       struct wl_resource *seat, uint32_t serial,
		       uint32_t edges)
{
	(void)edges;
	top_ignore_seat(client, res, seat, serial);
}

static void top_menu(struct wl_client *client, struct wl_resource *res,
		     struct wl_resource *seat, uint32_t serial, int32_t x,
		     int32_t y)
{
	(void)x;
	(void)y;
	top_ignore_seat(client, res, seat, serial);
}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = res_destroy,
	.set_parent = req_ignore_res,
	.set_title = top_set_title,
	.set_app_id = top_ignore_str,
	.show_window_menu = top_menu,
	.move = top_ignore_seat,
	.resize = top_resize,
	.set_max_size = top_ignore_wh,
	.set_min_size = top_ignore_wh,
	.set_maximized = top_ignore,
	.unset_maximized = top_ignore,
	.set_fullscreen = req_ignore_res,
	.unset_fullscreen = top_ignore,
	.set_minimized = top_ignore,
};

static void xdgs_get_toplevel(struct wl_client *client,
			      struct wl_resource *res, uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *t = res_new(client, &xdg_toplevel_interface,
					wl_resource_get_version(res), id,
					&toplevel_impl, s, surface_role_free);

	if (t && s)
		s->toplevel = t;
}

static void xdgs_get_popup(struct wl_client *client, struct wl_resource *res,
			   uint32_t id, struct wl_resource *parent,
			   struct wl_resource *positioner)
{
	(void)client;
	(void)id;
	(void)parent;
	(void)positioner;
	wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
			       "hostile-compositor has no popups");
}

/* ack_configure and pong: nothing waits for them. */
static void ignore_serial(struct wl_client *client, struct wl_resource *res,
			  uint32_t serial)
{
	(void)client;
	(void)res;
	(void)serial;
}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = res_destroy,
	.get_toplevel = xdgs_get_toplevel,
	.get_popup = xdgs_get_popup,
	.set_window_geometry = req_ignore_rect,
	.ack_configure = ignore_serial,
};

static void wm_get_xdg_surface(struct wl_client *client,
			       struct wl_resource *res, uint32_t id,
			       struct wl_resource *surface)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct wl_resource *x = res_new(client, &xdg_surface_interface,
					wl_resource_get_version(res), id,
					&xdg_surface_impl, s,
					surface_role_free);

	if (x)
		s->xdg = x;
}

static void wm_positioner(struct wl_client *client, struct wl_resource *res,
			  uint32_t id)
{
	(void)client;
	(void)id;
	wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
			       "hostile-compositor has no positioners");
}

static const struct xdg_wm_base_interface wm_impl = {
	.destroy = res_destroy,
	.create_positioner = wm_positioner,
	.get_xdg_surface = wm_get_xdg_surface,
	.pong = ignore_serial,
};

void bind_wm(struct wl_client *client, void *data, uint32_t version,
	     uint32_t id)
{
	(void)data;
	res_new(client, &xdg_wm_base_interface, (int)version, id, &wm_impl,
		NULL, NULL);
}
