import type { RolloutFacts } from './facts.js';
import type { Look } from './look.js';
import { createRandom } from './random.js';
import type { Rollout } from './world.js';

/**
 * A templated English description of a rollout in one look, from its ground truth: the objects and their
 * colors, what moves where, what hits what. Phrasing varies with a seeded choice among templates.
 */
export function captionFor(rollout: Rollout, look: Look, facts: RolloutFacts): string {
  const { world } = rollout;
  const random = createRandom(world.seed, `${world.scenario}/caption/${look.index}`);
  const name = (id: number): string => {
    const i = id - 1;
    const body = world.bodies[i]!;
    return `${look.materials[i]!.colorName} ${body.role === 'domino' ? 'domino' : body.role}`;
  };
  const objects = world.bodies.filter((b) => b.motion === 'dynamic' && !b.furniture);
  const floor = `${look.materials[0]!.colorName} ${random.pick(['floor', 'ground'])}`;
  const list = listing(objects.map((b) => `a ${name(b.id)}`));
  const sentences: string[] = [];
  switch (world.scenario) {
    case 'free-fall': {
      sentences.push(
        `${cap(list)} ${objects.length > 1 ? 'are' : 'is'} ${random.pick(['dropped', 'released', 'let go'])} above a ${floor}.`,
      );
      const first = facts.landings[0];
      if (first && objects.length > 1)
        sentences.push(
          `The ${name(first.id)} ${random.pick(['lands first', 'hits the ground first', 'touches down first'])}.`,
        );
      else if (first)
        sentences.push(
          `It falls straight down and lands after ${(first.frame / rollout.fps).toFixed(1)} seconds.`,
        );
      break;
    }
    case 'tilted-slope': {
      const o = objects[0]!;
      const verb = o.role === 'ball' ? 'rolls' : (facts.displacement[o.id] ?? 0) > 0.1 ? 'slides' : 'stays';
      const ramp = `${look.materials[1]!.colorName} ramp tilted about ${world.notes.slopeDegrees} degrees`;
      sentences.push(
        verb === 'stays'
          ? `A ${name(o.id)} rests on a ${ramp} and does not slide.`
          : `A ${name(o.id)} ${verb} down a ${ramp} onto the ${floor}.`,
      );
      break;
    }
    case 'u-slope':
      sentences.push(
        `A ${name(objects[0]!.id)} rolls down one of two facing ramps, across the gap and up the other side, ${random.pick(['back and forth', 'to and fro'])}.`,
      );
      break;
    case 'stable-stack':
    case 'unstable-stack': {
      sentences.push(
        `A ${random.pick(['stack', 'tower'])} of ${objects.length} blocks (${listing(objects.map((b) => look.materials[b.id - 1]!.colorName))}, from the bottom) stands on a ${floor}.`,
      );
      sentences.push(
        facts.stackFell
          ? random.pick([
              'It leans, topples and the blocks scatter.',
              'The offset blocks tip over and the tower falls.',
            ])
          : random.pick(['It stays standing.', 'Nothing moves; the tower is stable.']),
      );
      break;
    }
    case 'dominoes':
      sentences.push(`${objects.length} dominoes stand in a row on a ${floor}; the first is pushed over.`);
      sentences.push(
        facts.dominoesFallen === objects.length
          ? 'Every domino falls in turn.'
          : `${facts.dominoesFallen} of them fall.`,
      );
      break;
    case 'seesaw': {
      const plank = world.bodies.find((b) => b.role === 'plank')!;
      const load = objects.filter((b) => b.id !== plank.id);
      sentences.push(
        `${cap(listing(load.map((b) => `a ${name(b.id)}`)))} ${load.length > 1 ? 'drop' : 'drops'} onto a ${name(plank.id).replace('plank', 'seesaw plank')}.`,
      );
      const side = (id: number) => (world.bodies[id - 1]!.position[0] < 0 ? 'left' : 'right');
      const under = load.find((b) => side(b.id) === facts.seesawTips);
      sentences.push(
        facts.seesawTips === 'none'
          ? 'The seesaw stays level.'
          : under
            ? `The seesaw tips down under the ${name(under.id)}.`
            : 'The seesaw tips the other way.',
      );
      break;
    }
    case 'gyroscope':
      sentences.push(`A ${look.materials[1]!.colorName} disc spins on its rim on a ${floor}.`);
      sentences.push(
        facts.toppledAt === null
          ? 'It keeps spinning upright.'
          : `It wobbles, precesses and falls flat after ${((facts.toppledAt ?? 0) / rollout.fps).toFixed(1)} seconds.`,
      );
      break;
    case 'push': {
      const table = `${look.materials[1]!.colorName} table`;
      sentences.push(`A robot gripper moves over a ${table} with ${list}.`);
      if (facts.pushTarget && facts.pushTarget.moved > 0.05)
        sentences.push(
          `It pushes the ${name(facts.pushTarget.id)} about ${Math.round(facts.pushTarget.moved * 100)} cm.`,
        );
      break;
    }
    default:
      sentences.push(
        `${cap(list)} are ${random.pick(['thrown and dropped', 'tossed'])} into a walled pen on a ${floor}.`,
      );
  }
  const hits = facts.hits
    .slice(0, 2)
    .map((h) => `the ${name(h.a)} ${random.pick(['hits', 'bumps into', 'collides with'])} the ${name(h.b)}`);
  if (
    hits.length > 0 &&
    world.scenario !== 'stable-stack' &&
    world.scenario !== 'unstable-stack' &&
    world.scenario !== 'dominoes'
  ) {
    sentences.push(`${cap(listing(hits))}.`);
  }
  return sentences.join(' ');
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
