#!/bin/sh
# swayidle (Wayland, sway and other wlroots compositors) -- not tested here.
# Starts the saver after 5 minutes; locking stays with swaylock.
exec swayidle -w \
  timeout 300 'trainsaver --fullscreen' \
  before-sleep 'swaylock -f'
