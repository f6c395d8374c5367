#!/bin/sh
# xss-lock (X11): runs the saver when the X server's screensaver timer fires (`xset s 300`).
# xss-lock waits on the program and kills it when the screen saver is deactivated; trainsaver
# never forks, so this works. Not tested here: xss-lock needs a logind session.
xset s 300 300
exec xss-lock -- trainsaver --fullscreen
