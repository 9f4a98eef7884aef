// Node-kind icons: the registry names an icon; these are the lucide icons we ship.
import {
  Calendar,
  Circle,
  Clock,
  GitBranch,
  Hourglass,
  LogOut,
  Send,
  Shuffle,
  Split,
  Ticket,
  UserPen,
  Users,
  Webhook,
  Zap,
} from "lucide-react";

const ICONS = {
  calendar: Calendar,
  clock: Clock,
  "git-branch": GitBranch,
  hourglass: Hourglass,
  "log-out": LogOut,
  send: Send,
  shuffle: Shuffle,
  split: Split,
  ticket: Ticket,
  "user-pen": UserPen,
  users: Users,
  webhook: Webhook,
  zap: Zap,
};

export function KindIcon({ name, size = 16 }) {
  const Icon = ICONS[name] || Circle;
  return <Icon size={size} strokeWidth={2} aria-hidden="true" />;
}
