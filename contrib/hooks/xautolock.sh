#!/bin/sh
# xautolock (X11): minutes of idle time, then the "locker" -- here the saver.
# Tested here: tests/it/hooks.rs triggers it with `xautolock -locknow`.
exec xautolock -time 5 -locker 'trainsaver --fullscreen'
