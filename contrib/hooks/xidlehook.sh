#!/bin/sh
# xidlehook (X11) -- not tested here (not in Debian's packages).
exec xidlehook --not-when-fullscreen --not-when-audio \
  --timer 300 'trainsaver --fullscreen' ''
