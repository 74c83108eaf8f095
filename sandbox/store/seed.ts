// What a fresh sandbox starts with: one team, two public channels and a private
// one, a system admin and a regular user.

import type {MemoryMattermost} from '../../server/mattermost/memory.js';

export function seed(mm: MemoryMattermost): void {
  const team = mm.addTeam({Name: 'sandbox', DisplayName: 'Sandbox', Type: 'O', AllowOpenInvite: true, Email: 'admin@example.com'});
  const admin = mm.addUser({Username: 'admin', FirstName: 'Ada', LastName: 'Admin', Roles: 'system_admin system_user', Locale: 'en'});
  const alice = mm.addUser({Username: 'alice', FirstName: 'Alice', LastName: 'Liddell', Roles: 'system_user', Locale: 'en'});
  const townSquare = mm.addChannel({Name: 'town-square', DisplayName: 'Town Square', TeamId: team.Id, Type: 'O', Purpose: 'Everyone is here.', CreatorId: admin.Id});
  const offTopic = mm.addChannel({Name: 'off-topic', DisplayName: 'Off-Topic', TeamId: team.Id, Type: 'O', CreatorId: admin.Id});
  const ops = mm.addChannel({Name: 'ops', DisplayName: 'Ops (private)', TeamId: team.Id, Type: 'P', Purpose: 'Only admin is a member.', CreatorId: admin.Id});
  for (const user of [admin, alice]) {
    mm.join(user.Id, team.Id);
    mm.join(user.Id, townSquare.Id);
    mm.join(user.Id, offTopic.Id);
  }
  mm.join(admin.Id, ops.Id);
}
